# generated from openapi/openapi.json by codegen/generate.py — do not edit
"""Contains methods for accessing the API"""
