"""Plausible exercise-1 bugs, each named after what it gets wrong."""
from tests.golden.mutants import mutant

MODULE = "exercise1_autograd"

RECURSIVE_GRAPH = '''        order, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for child in node.children:
                visit(child)
            order.append(node)
        visit(self)
        return order
'''

MUTANTS = [
    mutant("mul_gradient_overwrites_instead_of_accumulating",
           ("self.grad += reduce_to_shape(other.data * result.grad, self.shape)",
            "self.grad = reduce_to_shape(other.data * result.grad, self.shape)"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_broadcasting_and_numbers", "test_node_used_twice_accumulates", "test_diamond_graph",
            "test_backward_twice_accumulates_like_torch"}),
    mutant("mean_divides_by_rows_only",
           ("self.grad += result.grad / (self.nrow * self.ncol)", "self.grad += result.grad / self.nrow"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_loss_matches_torch", "test_diamond_graph", "test_mae_at_zero_difference",
            "test_zero_grad_clears_the_graph"}),
    mutant("abs_gradient_has_the_wrong_sign",
           ("self.grad += np.sign(self.data) * result.grad", "self.grad -= np.sign(self.data) * result.grad"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_kink_convention", "test_loss_matches_torch", "test_two_layer_network_matches_torch",
            "test_mae_at_zero_difference"}),
    mutant("mul_broadcast_gradient_not_reduced",
           ("other.grad += reduce_to_shape(self.data * result.grad, other.shape)",
            "other.grad += self.data * result.grad"),
           {"test_broadcasting_and_numbers"}),
    mutant("matmul_gradient_of_b_transposed",
           ("other.grad += self.data.T @ result.grad", "other.grad += result.grad.T @ self.data"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_node_used_twice_accumulates", "test_two_layer_network_matches_torch",
            "test_zero_grad_clears_the_graph"}),
    mutant("recursive_backward",
           ("""        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node.children if id(child) not in seen)
        return order
""", RECURSIVE_GRAPH),
           {"test_deep_chain_needs_no_recursion"}),
    mutant("relu_gradient_is_one_at_zero",
           ("self.grad += (self.data > 0) * result.grad", "self.grad += (self.data >= 0) * result.grad"),
           {"test_kink_convention"}),
    mutant("sigmoid_gradient_uses_the_input",
           ("            s = result.data\n", "            s = self.data\n"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_diamond_graph", "test_two_layer_network_matches_torch"}),
    mutant("tanh_gradient_uses_the_input",
           ("(1.0 - result.data ** 2) * result.grad", "(1.0 - self.data ** 2) * result.grad"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_diamond_graph", "test_two_layer_network_matches_torch", "test_zero_grad_clears_the_graph",
            "test_backward_twice_accumulates_like_torch"}),
    mutant("backward_keeps_stale_intermediate_gradients",
           ("        for node in order:\n            if node.children:\n                node.grad = np.zeros_like(node.data)\n",
            ""),
           {"test_backward_twice_accumulates_like_torch"}),
    mutant("backward_seeds_any_shape",
           ('''        if self.shape != (1, 1):
            raise ValueError(f"backward() needs a 1x1 result such as a loss, not shape {self.shape}; "
                             "reduce it first, e.g. with .sum() or .mean()")
''', ""),
           {"test_backward_needs_a_1x1_result"}),
    mutant("zero_grad_clears_only_the_loss",
           ("        for node in self.graph():\n            node.grad = np.zeros_like(node.data)",
            "        self.grad = np.zeros_like(self.data)"),
           {"test_zero_grad_clears_the_graph"}),
    mutant("div_gradient_of_b_misses_the_minus",
           ("-self.data * result.grad / other.data ** 2", "self.data * result.grad / other.data ** 2"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_broadcasting_and_numbers"}),
    mutant("pow_gradient_forgets_the_exponent",
           ("self.grad += k * self.data ** (k - 1) * result.grad", "self.grad += self.data ** (k - 1) * result.grad"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_loss_matches_torch", "test_two_layer_network_matches_torch"}),
    mutant("transpose_gradient_not_transposed",
           ("            self.grad += result.grad.T\n", "            self.grad += result.grad\n"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference",
            "test_node_used_twice_accumulates", "test_zero_grad_clears_the_graph"}),
    mutant("sum_ignores_the_upstream_gradient",
           ("        result = Matrix(self.data.sum(), children=(self,))\n\n        def _gradient():\n"
            "            self.grad += result.grad\n",
            "        result = Matrix(self.data.sum(), children=(self,))\n\n        def _gradient():\n"
            "            self.grad += 1.0\n"),
           {"test_backward_agrees_with_your_forward", "test_backward_matches_torch", "test_op_matches_reference"}),
    mutant("rsub_subtracts_the_wrong_way",
           ("        return as_matrix(other) - self\n", "        return self - as_matrix(other)\n"),
           {"test_broadcasting_and_numbers"}),
    mutant("exp_gradient_computed_with_torch",
           (("import numpy as np\n", "import numpy as np\nimport torch\n"),
            ("            self.grad += result.data * result.grad\n",
             "            self.grad += (torch.from_numpy(result.data) * torch.from_numpy(result.grad)).numpy()\n")),
           {"test_op_uses_numpy_only"}),
    mutant("mse_sums_instead_of_averaging",
           ("    return ((pred - as_matrix(target)) ** 2).mean()", "    return ((pred - as_matrix(target)) ** 2).sum()"),
           {"test_loss_matches_torch", "test_two_layer_network_matches_torch"}),
]
