"""Stories shared by tests that plan from them."""

from __future__ import annotations

from personavlog.schema import Story

FOREST_WALK = Story(
    title="Into the Fog",
    logline="I walk into a foggy forest at dawn and find a still lake below the ridge.",
    beats=[
        "I step onto the mossy path between tall pines as the fog rolls in.",
        "The trail climbs to a rocky ridge where the peaks rise above the clouds.",
        "At the bottom of the valley a still lake shines through the mist.",
        "I sit on the shore with a flask of tea as the fog lifts.",
    ],
)
