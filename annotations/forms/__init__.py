"""Forms, one module per screen."""
