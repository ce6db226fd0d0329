"""neurostim.nerve"""
