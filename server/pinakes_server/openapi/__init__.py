"""openapi-core adapter for Sanic: the contract, request/response wrappers, validation."""
