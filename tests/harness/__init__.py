"""Test harness pieces shared by several suites (real processes, real servers)."""
