"""Questions as recruiters and candidates see them."""
