"""A Flax linen CNN with BatchNorm and GroupNorm, and a Flax nnx MLP with LayerNorm.

Flax writes BatchNorm's momentum as the weight of the old average (default 0.99), like Keras.
"""
import jax.numpy as jnp
import flax.linen as nn
from flax import nnx


class CNN(nn.Module):
    num_classes: int = 10

    @nn.compact
    def __call__(self, x: jnp.ndarray, train: bool) -> jnp.ndarray:
        x = nn.Conv(features=32, kernel_size=(3, 3), use_bias=False)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        x = nn.relu(x)
        x = nn.Conv(features=64, kernel_size=(3, 3), use_bias=False)(x)
        x = nn.GroupNorm(num_groups=32)(x)
        x = nn.relu(x)
        x = jnp.mean(x, axis=(1, 2))
        x = nn.LayerNorm()(x)
        return nn.Dense(self.num_classes)(x)


class MLP(nnx.Module):
    def __init__(self, din: int, dhidden: int, dout: int, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(din, dhidden, rngs=rngs)
        self.norm = nnx.LayerNorm(dhidden, rngs=rngs)
        self.linear2 = nnx.Linear(dhidden, dout, rngs=rngs)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        return self.linear2(nnx.relu(self.norm(self.linear1(x))))
