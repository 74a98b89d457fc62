"""The group's gap report and its heatmap."""
