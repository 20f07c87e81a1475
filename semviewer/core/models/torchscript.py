"""TorchScript model files are programs: loading one runs its code (its ``__setstate__``), and
running it runs its ``forward``, both with the rights of the person who runs semviewer. Such a
file is loaded only when that person says they trust it, and even then its code is read before it
is loaded, and its compiled graphs after, for operators that reach outside the computation: files
(``torch.from_file``, ``torch.save``, torchvision's ``read_file``/``write_file``), distributed
stores and sockets (``c10d``), or C++ classes of any kind. A file that calls one is refused.
"""

from __future__ import annotations

import ast
import re
import warnings
import zipfile
from pathlib import Path
from typing import Iterable

from semviewer.core.errors import ModelError, first_line
from semviewer.core.files.reading import check_archive, check_regular

#: Operator namespaces that compute on tensors only; any other namespace is refused.
COMPUTE_NAMESPACES = frozenset({"aten", "prim", "prims", "quantized", "_quantized", "torchvision", "mkldnn",
                                "mkldnn_prepacked", "onednn", "mkl", "sparse", "quantization", "rngprims"})
#: Operators of those namespaces that read or write files.
FILE_OPERATORS = frozenset({"aten::from_file", "aten::save", "aten::load"})
#: C++ classes (``torch.classes.NS.Name``) are refused but for these namespaces' packed weights.
COMPUTE_CLASSES = frozenset({"quantized", "xnnpack", "mkldnn", "onednn", "sparse"})
_CLASS = re.compile(r"torch\.classes\.(\w+)")
#: A TorchScript file's code files are read whole; each may have at most this many bytes.
MAX_CODE_BYTES = 64 << 20
CONVERT_HINT = ("convert it to ONNX where you trust it (torch.onnx.export(torch.jit.load(FILE), example, "
                "\"model.onnx\")): ONNX files hold no code")


class UntrustedModelCode(ModelError):
    """A model file that is a program, asked for without saying it is trusted."""

    def __init__(self, file: str) -> None:
        self.file = file
        super().__init__(f"{file} is a TorchScript file: a program that runs with your rights and may read or write "
                         f"your files; semviewer runs it only when you say you trust it, or {CONVERT_HINT}")


def _dotted(node: ast.AST) -> str:
    """``torch.ops.image.read_file`` for the expression it names ('' for anything else)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _operator(dotted: str) -> str:
    """The operator a call in serialized TorchScript names: ``torch.X`` is ``aten::X``, ``ops.NS.X``
    (or ``torch.ops.NS.X``) is ``NS::X``; '' for calls of methods and builtins."""
    parts = dotted.split(".")
    if parts[:2] == ["torch", "ops"]:
        parts = parts[1:]
    if parts[0] == "ops" and len(parts) == 3:
        return f"{parts[1]}::{parts[2]}"
    if parts[0] == "torch" and len(parts) >= 2 and parts[1] != "classes":
        return f"aten::{parts[-1]}"
    return ""


def _classes(text: str) -> set[str]:
    """``torch.classes.NS`` for each namespace of C++ classes that ``text`` names."""
    return {f"torch.classes.{ns}" for ns in _CLASS.findall(text)}


def code_operators(path: str | Path) -> set[str]:
    """Every operator the serialized code of a TorchScript file calls (read, never run), and
    ``torch.classes.NS`` for the C++ classes it uses."""
    found: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if "/code/" not in info.filename or not info.filename.endswith(".py"):
                    continue
                if info.file_size > MAX_CODE_BYTES:
                    raise ModelError(f"{path}: its code file {info.filename} is larger than "
                                     f"{MAX_CODE_BYTES >> 20} MiB")
                text = archive.read(info).decode("utf-8")
                found.update(_classes(text))
                for node in ast.walk(ast.parse(text)):
                    if isinstance(node, ast.Call):
                        op = _operator(_dotted(node.func))
                        if op:
                            found.add(op)
    except ModelError:
        raise
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError) as exc:
        raise ModelError(f"cannot read the code of the TorchScript file {path}: {first_line(exc)}") from None
    return found


def graph_operators(module) -> set[str]:
    """Every operator the compiled graphs of a loaded ScriptModule call (all its methods and its
    submodules', functions inlined), and ``torch.classes.NS`` for values of C++ classes."""
    found: set[str] = set()

    def walk(nodes: Iterable) -> None:
        for node in nodes:
            found.add(node.kind())
            for out in node.outputs():
                found.update(_classes(str(out.type())))
            for block in node.blocks():
                walk(block.nodes())

    for sub in module.modules():
        for name in sub._c._method_names():
            walk(sub._c._get_method(name).inlined_graph.nodes())
    return found


def refused(operators: Iterable[str]) -> list[str]:
    """The operators of ``operators`` that reach outside the computation, sorted."""
    def outside(op: str) -> bool:
        if op.startswith("torch.classes."):
            return op.rsplit(".", 1)[-1] not in COMPUTE_CLASSES
        return op in FILE_OPERATORS or op.split("::", 1)[0] not in COMPUTE_NAMESPACES

    return sorted(op for op in operators if outside(op))


def _refuse(path: str | Path, operators: Iterable[str]) -> None:
    bad = refused(operators)
    if bad:
        shown = ", ".join(bad[:3]) + (" ..." if len(bad) > 3 else "")
        raise ModelError(f"{path} calls {shown}, which can reach outside the computation (files, sockets or "
                         f"C++ objects); semviewer does not run it, trusted or not")


def load_torchscript(path: str | Path, trusted: bool, limit: int):
    """The ScriptModule of a TorchScript file in eval mode, on the CPU: only when ``trusted``
    (else UntrustedModelCode), only when its code calls no operator that reaches outside the
    computation (read before loading: loading runs its ``__setstate__``), and again checked on
    its compiled graphs after loading. Every problem is a ModelError line."""
    import torch

    path = check_regular(path, "model file", ModelError, limit)
    if not trusted:
        raise UntrustedModelCode(str(path))
    check_archive(path, "model file", limit, ModelError)
    _refuse(path, code_operators(path))
    try:
        with warnings.catch_warnings():      # torch's deprecation notes on TorchScript: not the user's concern
            warnings.simplefilter("ignore")
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError and more for files that are not TorchScript
        raise ModelError(f"cannot read the TorchScript file {path}: {first_line(exc)}; save it with "
                         f"torch.jit.save(torch.jit.script(model), path)") from None
    _refuse(path, graph_operators(module))
    return module.eval()
