"""The order of GPU offload tries (inference/offload.py): pure logic, no model."""

from reasoner_desktop.inference.offload import ALL, Offload, plan, total_layers


def test_automatic_on_a_gpu_build_tries_all_then_fewer_then_none():
    tries = plan(None, total_layers(32), True)
    assert [t.layers for t in tries] == [ALL, 24, 16, 8, 0]
    assert not tries[0].fell_back and all(t.fell_back for t in tries[1:])
    assert all(t.auto for t in tries)


def test_a_users_number_is_the_only_try_and_a_cpu_build_gets_zero():
    assert [t.layers for t in plan(12, 33, True)] == [12]
    assert [t.layers for t in plan(12, 33, False)] == [0]
    assert [t.layers for t in plan(None, 33, False)] == [0]


def test_tiny_or_unknown_shapes_still_end_on_the_cpu():
    assert [t.layers for t in plan(None, 0, True)] == [ALL, 0]
    assert [t.layers for t in plan(None, 2, True)] == [ALL, 1, 0]


def test_descriptions():
    assert Offload(ALL, 33, True).describe() == "GPU: 33 of 33 layers"
    assert Offload(16, 33, True, fell_back=True).note().startswith("Only 16 of 33 layers fit")
    assert Offload(0, 33, True, fell_back=True).note() == (
        "The model did not fit in GPU memory; it runs on the CPU (slower).")
    assert Offload(0, 33, True).describe() == "CPU" and Offload(0, 33, True).note() is None
    assert Offload(ALL, 0, True).describe() == "GPU: all layers"
