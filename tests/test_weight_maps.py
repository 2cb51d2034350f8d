"""The views of a model are the model's own numbers, reshaped: checked against the course's predict."""

import numpy as np

from single_neuron import predict
from single_neuron.app.weight_maps import cost_points, image_view, weights_image, weights_map
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


def test_the_map_of_w_is_the_mean_of_its_channels_pixel_by_pixel(rng):
    w = rng.normal(size=(4 * 5 * 3, 1))
    picture = w.reshape(4, 5, 3)
    by_hand = np.array([[sum(picture[r, c, k] for k in range(3)) / 3 for c in range(5)] for r in range(4)])
    np.testing.assert_allclose(weights_map(w, (4, 5, 3)), by_hand, rtol=1e-15, atol=1e-17)
    grey = rng.normal(size=(6, 1))
    np.testing.assert_array_equal(weights_map(grey, (2, 3, 1)), grey.reshape(2, 3))


def test_the_figure_of_w_draws_the_same_map(rng):
    from single_neuron.app.weight_figures import weights_figure

    w = rng.normal(size=(4 * 5 * 3, 1))
    trained = SavedModel(w=w, b=0.0, input_shape=(4, 5, 3), classes=("a", "b"))
    drawn = [ax.images[0].get_array() for ax in weights_figure(trained).axes if ax.images]
    np.testing.assert_array_equal(drawn[-1], weights_map(w, (4, 5, 3)))


def test_a_cost_curve_reaches_the_end_of_the_run():
    costs = [0.69, 0.58, 0.47]
    assert cost_points(costs, 100, 300, 0.4) == ([0, 100, 200, 300], [0.69, 0.58, 0.47, 0.4])
    assert cost_points(costs, 100, 250, 0.4) == ([0, 100, 200, 250], [0.69, 0.58, 0.47, 0.4])
    assert cost_points(costs, 100) == ([0, 100, 200], costs)                  # a file that does not say
    assert cost_points(costs, 100, 150, 0.5) == ([0, 100, 200], costs)        # kept weights of an earlier one
    assert cost_points([], 100, 0, None) == ([], [])


def test_the_plots_reach_the_end_and_draw_lines_where_points_are_dense(cats):
    from single_neuron import train
    from single_neuron.app.run_plots import MARKED_AT_MOST, cost_figure, rates_figure

    course = train(cats, num_iterations=2000).report                          # 20 costs: marked, as the course
    line = cost_figure(course["costs"], 100, 0.005, end=course["n_iter"], final_cost=course["final_cost"]).axes[0].lines[0]
    assert list(line.get_xdata()[-2:]) == [1900, 2000] and line.get_ydata()[-1] == course["final_cost"]
    assert line.get_marker() == "o"
    dense = train(cats, num_iterations=300, learning_rate=0.01, print_every=1).report
    assert len(dense["costs"]) > MARKED_AT_MOST
    axes = rates_figure([{"learning_rate": 0.01, **dense}], 1).axes[0]
    line = axes.lines[0]
    assert line.get_marker() in ("None", None, "") and list(line.get_xdata()) == list(range(301))
    assert line.get_ydata()[-1] == dense["final_cost"]
    # the oscillation the notes' learning rate makes is on the figure, not hidden between records
    assert max(line.get_ydata()[:300]) > 3.0 and min(line.get_ydata()[:300]) < 0.6
