"""The frame stages run in: threads and seeds from params, the augment stages' common loop.

The top layer of the library: it may import any package, and none imports it back.
"""
