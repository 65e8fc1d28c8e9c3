"""webnic_sim: a stateful simulator of the WebNIC RESTful v2 SSL API for tests and CI.

An independent implementation of the contract in docs/api-assumptions.md; it imports nothing from
the collection's plugins so that a wrong path or field in the client fails a test.
"""

__version__ = "0.1.0"
