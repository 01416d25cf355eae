# generated from openapi/openapi.json by codegen/generate.py — do not edit
"""Contains endpoint functions for accessing the API"""
