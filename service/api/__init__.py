"""The API as a whole: its OpenAPI document, built from the registered routes."""
