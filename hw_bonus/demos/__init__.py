"""The source documents' examples, each runnable as ``python -m hw_bonus.demos.<name>``.

Every demo prints its results beside the numbers the document itself gives and has a
``main(argv) -> dict`` entry point returning what it measured (the tests call it in-process).

* ``functions``: the "Graduating Autograd" brief's f, g, h and Neuron, an AND gate, a small classifier;
* ``lab_trace``: the lab's forward, tangent and adjoint traces of ln(x1) + x1 x2 - sin(x2)
  (``--second-order``: its Hessian);
* ``graph_primer``: the lecture's expression-to-graph primer, trained with exact gradients;
* ``custom_op``: the lecture's "extending autograd" quantizing op in the two-Gaussian classifier;
* ``newton``: the two-Gaussian classes by logistic regression, Newton's method with ``func.hessian``;
* ``disc_cv``: the EPFL report's disc data set, six networks, Table I by 2x 5-fold CV.
"""
