"""Running studies: computing units (render + classify + regions) and the executors that run them."""
