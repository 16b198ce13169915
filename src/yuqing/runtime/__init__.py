"""Workers at the edge: ingestion, feed polling, replay, retention and the scheduler."""
