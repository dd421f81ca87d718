"""The API's routes, one module per concern; each route validates, calls the service, shapes."""
