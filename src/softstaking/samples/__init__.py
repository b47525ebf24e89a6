"""Sample data shipped with the package: the seed's IOTX scenario."""
