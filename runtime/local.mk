# runtime/: the OCI runtime binary.
