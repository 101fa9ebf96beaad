"""The benchmark (bench/README.md): thin command-line scripts over the harness package."""
