"""Settings of the bench's servers: the product's own, plus the bare view the floor is measured
with (`bench.urls`). Nothing here is part of the product."""

from sixfold.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
