"""The settings of each part of the service, one class per module; `core.config.Settings` combines
the ones this service has."""
