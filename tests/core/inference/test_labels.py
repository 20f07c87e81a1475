import pytest

from semviewer.core.errors import ClassSetError
from semviewer.core.models.labels import imagenet_categories, parse_class_set, search_classes


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


def test_exact_case_wins_and_shared_names_list_their_ids():
    cats = imagenet_categories()
    assert cats[264] == "Cardigan" and cats[474] == "cardigan"
    assert parse_class_set("Cardigan").ids == (264,)              # the corgi
    assert parse_class_set("cardigan").ids == (474,)              # the sweater
    assert parse_class_set("TEAPOT").ids == (849,)                # case-insensitive when unique
    with pytest.raises(ClassSetError, match=r"ambiguous: 264 \(Cardigan\), 474 \(cardigan\); give the id"):
        parse_class_set("CARDIGAN")
    assert parse_class_set("264,474").ids == (264, 474)


def test_the_shipped_imagenet_names_are_torchvisions_in_its_order():
    from torchvision.models import ResNet50_Weights

    assert imagenet_categories() == tuple(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])
