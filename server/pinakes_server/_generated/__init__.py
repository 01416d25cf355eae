# generated from openapi/openapi.json by codegen/generate.py — do not edit
"""Pydantic models of every schema in the contract."""
