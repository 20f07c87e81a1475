import pytest

from semviewer.core.errors import ClassSetError
from semviewer.core.imagenet import imagenet_categories, parse_class_set, search_classes


def test_categories_and_class_sets():
    cats = imagenet_categories()
    assert len(cats) == 1000 and cats[849] == "teapot"
    cs = parse_class_set("coffee mug, cup")
    assert cs.ids == (504, 968) and cs.names == ("coffee mug", "cup")
    assert parse_class_set([849]).ids == (849,)
    assert parse_class_set("849,849").ids == (849,)
    assert (849, "teapot") in search_classes("teap")


@pytest.mark.parametrize("text, message", [("kettle pot", "unknown ImageNet class"), ("1000", "out of range"),
                                           ("", "empty")])
def test_bad_class_sets(text, message):
    with pytest.raises(ClassSetError, match=message):
        parse_class_set(text)
