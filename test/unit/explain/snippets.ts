/** Python written as the libraries write it, shared by the explain tests. */

export const TORCH = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n';

/** A Hugging Face–style RMSNorm: rsqrt of the mean square over the last dim, ε from `__init__` (default 1e-6). */
export const LLAMA_RMSNORM = `
class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states
`;
