"""The runnable work built on MyTorch: the MLP, its training runner, data and demos.

The small matrix products of the networks trained here run fastest on one BLAS thread: with
two, OpenBLAS threads that spin while the other core is busy made a default training run
15x slower on a loaded 2-core machine, and the thread count changes float rounding, so runs
would no longer repeat bit for bit. Importing ``hw_bonus`` before NumPy (as
``python -m hw_bonus.mlp_runner`` does) therefore asks for one thread, unless the variables
below are already set: ``OPENBLAS_NUM_THREADS=2 python -m hw_bonus.mlp_runner`` overrides it.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
