"""What the operators' dashboard shows, from stored figures and small indexed queries."""
