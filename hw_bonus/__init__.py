"""The runnable work built on MyTorch: the MLP, its training runner, data and demos."""
