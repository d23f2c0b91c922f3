"""Tutorials in Markdown, their validation, and the matcher that finds the right one."""
