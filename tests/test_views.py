"""The views of a model are the model's own numbers, reshaped: checked against the course's predict."""

import numpy as np

from single_neuron import predict
from single_neuron.app.views import image_view, weights_image
from single_neuron.io.modelfile import SavedModel
from single_neuron.neuron.formulas import unroll


def test_w_as_an_image_unrolls_back_to_w(rng):
    w = rng.normal(size=(4 * 5 * 3, 1))
    trained = SavedModel(w=w, b=0.2, input_shape=(4, 5, 3), classes=("a", "b"))
    picture = weights_image(trained)
    assert picture.shape == (4, 5, 3)
    np.testing.assert_array_equal(unroll(picture[np.newaxis], pixel_scale=1.0), w)


def test_the_contributions_add_up_to_z_and_give_the_course_prediction(rng):
    w = rng.normal(scale=0.05, size=(6 * 7 * 3, 1))
    trained = SavedModel(w=w, b=-0.3, input_shape=(6, 7, 3), classes=("a", "b"))
    for _ in range(20):
        pixels = rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
        view = image_view(trained, pixels)
        x = unroll(pixels[np.newaxis])
        assert abs(view.z - ((w.T @ x).item() + trained.b)) < 1e-12
        assert abs(view.probability - 1 / (1 + np.exp(-view.z))) < 1e-15
        assert view.label == int(predict(w, trained.b, x)[0, 0])
        np.testing.assert_allclose(view.contributions, (w * x).reshape(6, 7, 3), rtol=0, atol=0)
