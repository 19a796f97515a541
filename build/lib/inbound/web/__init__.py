"""Thin HTTP: decode, call one service function, encode."""
