"""Renditions: an image at the size, crop and format a page needs (contract §8).

- `specs`: what a spec means and the output size it gives, from stored data alone.
- `signing`: the signed public URLs, and their check.
- `engine`: rendering with libvips, bounded per worker and in time.
- `services` / `selectors`: the records and stored bytes (writes / reads).
- `views`: public delivery at /r/….
"""
