"""Each exercise self-check accepts a right answer and rejects a wrong one with a hint."""

import pytest
import torch

from lessonlib import exercises


def right_bias_corrected(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


def right_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v


def test_bias_correction(capsys):
    assert exercises.check_bias_correction(right_bias_corrected)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: (m, v))
    assert "Hint" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: (m / (1 - b1), v / (1 - b2)))  # t forgotten
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not exercises.check_bias_correction(None)
    assert "no answer given" in capsys.readouterr().out
    assert not exercises.check_bias_correction(lambda m, v, t, b1, b2: None)  # the notebook's empty stub
    assert "returns None" in capsys.readouterr().out


def test_uncorrected_first_step(capsys):
    assert exercises.check_uncorrected_first_step(10.0)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_uncorrected_first_step(3.162)  # beta2 = 0.999's factor
    assert "beta2 = 0.999" in capsys.readouterr().out
    assert not exercises.check_uncorrected_first_step(1.0)  # the corrected step
    assert "bias-corrected" in capsys.readouterr().out
    assert not exercises.check_uncorrected_first_step(1000.0)  # forgot the square root
    assert "square root" in capsys.readouterr().out
    assert not exercises.check_uncorrected_first_step(0.5)
    assert "divide m_1" in capsys.readouterr().out
    assert not exercises.check_uncorrected_first_step("large")
    assert not exercises.check_uncorrected_first_step(None)
    assert "no answer given" in capsys.readouterr().out


def test_adam_step(capsys):
    assert exercises.check_adam_step(right_adam_step)
    assert "agree with torch.optim.Adam" in capsys.readouterr().out

    def no_bias_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return theta - lr * m / (torch.sqrt(v) + eps), m, v

    assert not exercises.check_adam_step(no_bias_correction)
    assert "after step 1" in capsys.readouterr().out
    assert not exercises.check_adam_step(None)
    assert not exercises.check_adam_step(lambda *args: None)
    assert "returns None" in capsys.readouterr().out


@pytest.mark.parametrize("lr, ok, word", [(0.1, True, "Correct"), (0.01, False, "larger"), (10.0, False, "smaller"),
                                          (-1.0, False, "positive"), (1e6, False, "smaller")])
def test_learning_rate(capsys, lr, ok, word):
    assert exercises.check_learning_rate(lr) is ok
    assert word in capsys.readouterr().out


def test_one_step_lr(capsys):
    assert exercises.check_one_step_lr(0.5)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_one_step_lr(1.0)  # 2 / L'': the edge of divergence
    assert "edge of divergence" in capsys.readouterr().out
    assert not exercises.check_one_step_lr(2.0)  # the curvature itself
    assert "inverse" in capsys.readouterr().out
    assert not exercises.check_one_step_lr(0.1)
    assert "lands at w = 0.4" in capsys.readouterr().out
    assert not exercises.check_one_step_lr(None)
    assert "no answer given" in capsys.readouterr().out
    assert not exercises.check_one_step_lr("half")


def test_saddle_escape(capsys):
    assert exercises.saddle_escape_steps(0.1) == 76
    assert exercises.check_saddle_escape(145) and exercises.check_saddle_escape(146)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_saddle_escape(76)  # the count for lr = 0.1
    assert "lr = 0.1" in capsys.readouterr().out
    assert not exercises.check_saddle_escape(138)  # ln(1e6) / (2 lr): the continuous-time estimate
    assert "exactly 1 + 2 lr" in capsys.readouterr().out
    assert not exercises.check_saddle_escape(20)
    assert "smallest whole n" in capsys.readouterr().out
    assert not exercises.check_saddle_escape(None)
    assert "no answer given" in capsys.readouterr().out


def test_stable_lr(capsys):
    assert exercises.check_stable_lr(2 / 401.0025)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_stable_lr(2 / 1001.6)  # the limit at the minimum
    assert "at the minimum" in capsys.readouterr().out
    assert not exercises.check_stable_lr(1 / 401.0025)
    assert "one-step" in capsys.readouterr().out
    assert not exercises.check_stable_lr(2 / 0.9975)  # the smallest eigenvalue
    assert "smallest eigenvalue" in capsys.readouterr().out
    assert not exercises.check_stable_lr(0.1)
    assert "lr < 2 / lambda_max" in capsys.readouterr().out
    assert not exercises.check_stable_lr(None)
    assert "no answer given" in capsys.readouterr().out


def test_mlp_parameters(capsys):
    assert exercises.check_mlp_parameters(8707)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_mlp_parameters(8512)  # no biases
    assert "bias" in capsys.readouterr().out
    assert not exercises.check_mlp_parameters(8707 + 64 * 64 + 64)  # one hidden layer too many
    assert "input layer" in capsys.readouterr().out
    assert not exercises.check_mlp_parameters(1000)
    assert "add up" in capsys.readouterr().out
    assert not exercises.check_mlp_parameters(None)
    assert "no answer given" in capsys.readouterr().out


def right_one_epoch(model, optimiser, X, y):
    optimiser.zero_grad()
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimiser.step()
    return loss.item()


def one_epoch_without_zero_grad(model, optimiser, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimiser.step()
    return loss.item()


def one_epoch_without_step(model, optimiser, X, y):
    optimiser.zero_grad()
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    return loss.item()


def test_training_epoch(capsys):
    assert exercises.check_training_epoch(right_one_epoch)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_training_epoch(one_epoch_without_zero_grad)
    assert "zero_grad" in capsys.readouterr().out
    assert not exercises.check_training_epoch(one_epoch_without_step)
    assert "never moved" in capsys.readouterr().out
    assert not exercises.check_training_epoch(lambda model, optimiser, X, y: None)
    assert "raised" in capsys.readouterr().out
    assert not exercises.check_training_epoch(None)
    assert "no answer given" in capsys.readouterr().out


def test_psnr_grey_levels(capsys):
    assert exercises.check_psnr_grey_levels(3.59)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_psnr_grey_levels(0.0141)  # a fraction of the range
    assert "multiply by 255" in capsys.readouterr().out
    assert not exercises.check_psnr_grey_levels(255 * 10 ** -3.7)  # 255 times the MSE
    assert "square root" in capsys.readouterr().out
    assert not exercises.check_psnr_grey_levels(37)
    assert "solve for the MSE" in capsys.readouterr().out
    assert not exercises.check_psnr_grey_levels(None)
    assert "no answer given" in capsys.readouterr().out


def test_first_layer_periods(capsys):
    assert exercises.check_first_layer_periods(4.77)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_first_layer_periods(30)  # radians, not periods
    assert "2 pi radians" in capsys.readouterr().out
    assert not exercises.check_first_layer_periods(9.55)  # weights up to 1
    assert "at most 0.5" in capsys.readouterr().out
    assert not exercises.check_first_layer_periods(2.39)  # half the width
    assert "width of 2" in capsys.readouterr().out
    assert not exercises.check_first_layer_periods(1)
    assert "2 pi" in capsys.readouterr().out
    assert not exercises.check_first_layer_periods(None)
    assert "no answer given" in capsys.readouterr().out


def test_batch_size_factor(capsys):
    assert exercises.check_batch_size_factor(9)
    assert "Correct" in capsys.readouterr().out
    assert exercises.check_batch_size_factor(4, shrink=2)
    assert not exercises.check_batch_size_factor(3)  # spread taken as 1 / B
    assert "not 1 / B" in capsys.readouterr().out
    assert not exercises.check_batch_size_factor(1 / 9)
    assert "noisier" in capsys.readouterr().out
    assert not exercises.check_batch_size_factor(5)
    assert "sigma / sqrt(B)" in capsys.readouterr().out
    assert not exercises.check_batch_size_factor(None)
    assert "no answer given" in capsys.readouterr().out
