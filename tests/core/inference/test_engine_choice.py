"""auto's engine choice holds: the same weights in another file format are the same network, and
the default engine stays unless another is clearly faster (measured in interleaved rounds)."""

from types import SimpleNamespace

import pytest
import torch

from semviewer.core.engines import choice


def test_the_same_weights_in_another_format_are_the_same_network(tmp_path):
    from safetensors.torch import load_file, save_file

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2))
    net(torch.zeros(1, 3, 8, 8))
    torch.save(net.state_dict(), tmp_path / "w.pth")
    save_file(net.state_dict(), str(tmp_path / "w.safetensors"))
    a, b = (torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.Linear(144, 2))
            for _ in range(2))
    a.load_state_dict(torch.load(tmp_path / "w.pth", weights_only=True))
    b.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
    digest = choice.weights_digest(SimpleNamespace(module=a, weights_sha256="pth file"))
    assert digest == choice.weights_digest(SimpleNamespace(module=b, weights_sha256="safetensors file"))
    with torch.no_grad():
        b[0].weight[0, 0, 0, 0] += 1
    assert choice.weights_digest(SimpleNamespace(module=b, weights_sha256="")) != digest


@pytest.mark.parametrize("faster, chosen", [(1.05, "first"), (1.25, "second")])
def test_the_default_engine_stays_unless_another_is_clearly_faster(monkeypatch, tmp_path, faster, chosen):
    class Engine:
        def __init__(self, name):
            self.name = name

    class Fake:
        engine = None

        def use(self, engine):
            self.engine = engine.name

    rates = {"first": 100.0, "second": 100.0 * faster}
    registry = {name: SimpleNamespace(open=lambda c, t, d, n=name: Engine(n)) for name in rates}
    monkeypatch.setattr(choice, "installed", lambda: list(rates))
    monkeypatch.setattr(choice, "REGISTRY", registry)
    monkeypatch.setattr(choice, "_choice_key", lambda classifier, threads: "key")
    calls = []

    def measure(classifier, seconds=0.5, batch=8):
        calls.append(classifier.engine)
        return rates[classifier.engine]
    monkeypatch.setattr(choice, "measure", measure)
    fake = Fake()
    fake.name = "fake"
    assert choice._fastest(fake, 2, tmp_path, lambda message: None) == chosen
    assert calls == ["first", "second"] * choice.ROUNDS          # interleaved rounds
    assert fake.engine == chosen


def test_a_run_markedly_slower_than_the_measurement_says_so_once_and_keeps_the_choice(tmp_path):
    import json

    import numpy as np

    from semviewer.core.inference.loading import load_classifier

    classifier = load_classifier("efficientnet-lite0", device="cpu", engine="torch")
    record = tmp_path / "engine_choice.json"
    kept = {"key": {"engine": "torch", "images_per_second": {"torch": 1e9}}}
    record.write_text(json.dumps(kept))
    images = np.zeros((64, 224, 224, 3), np.uint8)
    classifier.engine_choice = (str(record), "key", 1e9)
    notes = []
    classifier.submit(images[:8]).result()
    assert not choice.recheck_choice(classifier, notes.append)             # too few images to judge
    for _ in range(4):
        classifier.submit(images).result()
    assert classifier.served_images == 264 and classifier.served_rate < 1e9 / 4
    assert choice.recheck_choice(classifier, notes.append)
    assert "less than a quarter" in notes[0] and str(record) in notes[0]
    assert json.loads(record.read_text()) == kept                  # the choice stays: results stay comparable
    assert not choice.recheck_choice(classifier, notes.append) and len(notes) == 1        # said once
    classifier.engine_choice = (str(record), "key", classifier.served_rate)        # as fast as measured
    assert not choice.recheck_choice(classifier, notes.append)
