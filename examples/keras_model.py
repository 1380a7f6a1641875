"""A small image classifier in Keras 3 (channels-last), with the momentum pitfall seen from the
Keras side: momentum=0.1 written as PyTorch would, where Keras means the weight of the old average."""
import keras
from keras import layers


def conv_block(x, filters: int):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_model(num_classes: int = 10) -> keras.Model:
    inputs = keras.Input(shape=(32, 32, 3))
    x = conv_block(inputs, 32)
    x = conv_block(x, 64)
    x = layers.Conv2D(128, 3, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.1, epsilon=1e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(128, 3, padding="same", use_bias=False)(x)
    x = layers.GroupNormalization(groups=16)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    outputs = layers.Dense(num_classes)(x)
    return keras.Model(inputs, outputs)


classifier_head = keras.Sequential(
    [
        layers.Dense(256, use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Dense(10),
    ]
)
