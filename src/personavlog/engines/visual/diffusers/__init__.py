"""Real-model visual backends on diffusers: reference-conditioned keyframes and image-to-video clips."""
