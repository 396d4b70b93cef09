"""The REST side of core: authentication, envelope, errors, pagination, schema and the shared views."""
