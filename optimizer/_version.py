"""The package's version, in a module of its own so that any module can import it without
importing the whole package (``from ._version import __version__``)."""

__version__ = "0.1.0"
