"""Multi-site replication: each site's disclosure-checked summary, and the pooling of several (docs/consortium.md)."""
