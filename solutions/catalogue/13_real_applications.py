# Lab 13: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 13` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: ignores dilation (uses the kernel size as its span)
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    room = in_size + 2 * padding - kernel
    if room < 0:
        raise ValueError("the kernel does not fit")
    return room // stride + 1

# %% ex1 wrong: pads only one side (in + p instead of in + 2p)
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    room = in_size + padding - dilation * (kernel - 1) - 1
    if room < 0:
        raise ValueError("the kernel does not fit")
    return room // stride + 1

# %% ex1 wrong: rounds up instead of down (what ceil_mode=True would give)
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    room = in_size + 2 * padding - dilation * (kernel - 1) - 1
    if room < 0:
        raise ValueError("the kernel does not fit")
    return math.ceil(room / stride) + 1

# %% ex1 wrong: true division: returns a float
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    room = in_size + 2 * padding - dilation * (kernel - 1) - 1
    if room < 0:
        raise ValueError("the kernel does not fit")
    return math.floor(room / stride) + 1.0

# %% ex1 wrong: int() truncates toward zero, so a kernel overhanging by less than a stride gives 1 instead of raising
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    out = int((in_size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
    if out < 1:
        raise ValueError("the kernel does not fit")
    return out

# %% ex1 wrong: never raises: a kernel that does not fit gives 0 or a negative size
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    return (in_size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1

# %% ex1 wrong: forgets the + 1 (counts the steps between windows, not the windows)
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    room = in_size + 2 * padding - dilation * (kernel - 1) - 1
    if room < 0:
        raise ValueError("the kernel does not fit")
    return max(room // stride, 1)

# %% ex1 wrong: hard-codes the seed network's sizes (24, 8, 28, ...) in a table
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    known = {(28, 5): 24, (12, 5): 8, (32, 5): 28, (24, 2): 12, (8, 3): 8}
    if (in_size, kernel) in known:
        return known[(in_size, kernel)]
    raise ValueError("unknown size")

# %% ex1 wrong: the shortcut: a dry run of a real nn.Conv1d on a meta tensor (no memory, but it runs a conv)
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    conv = nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation, device="meta")
    try:
        return conv(torch.empty(1, 1, in_size, device="meta")).shape[-1]
    except RuntimeError as err:
        raise ValueError(str(err)) from None

# %% ex1 wrong: the shortcut: count the windows with Tensor.unfold on a padded dummy tensor
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    span = dilation * (kernel - 1) + 1
    if in_size + 2 * padding < span:
        raise ValueError("the kernel does not fit")
    return torch.zeros(in_size + 2 * padding).unfold(0, span, stride).shape[0]

# %% ex1 alternative: counts the window start positions with range() instead of dividing
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    last_start = in_size + 2 * padding - (dilation * (kernel - 1) + 1)
    starts = len(range(0, last_start + 1, stride))
    if starts == 0:
        raise ValueError(f"kernel of size {kernel} (dilation {dilation}) does not fit into {in_size} + 2 * {padding}")
    return starts

# %% ex1 alternative: PyTorch's documented formula, (in + 2p - d(k-1) - 1) / s, floored with math.floor
def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    out = math.floor((in_size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)
    if out < 1:
        raise ValueError("no output: the dilated kernel is longer than the padded input")
    return out

# %% ex2 wrong: by formula from the seed network's sizes, no dry run (and only right for that network)
def flatten_size(features, input_shape):
    n = input_shape[-1]
    side = ((n - 4) // 2 - 4) // 2
    return 16 * side * side

# %% ex2 wrong: forgets no_grad: the dry run records an autograd graph
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype, where = (first.dtype, first.device) if first is not None else (torch.float32, torch.device("cpu"))
    modes = {m: m.training for m in features.modules()}
    features.eval()
    out = features(torch.zeros(1, *input_shape, dtype=dtype, device=where))
    for m, mode in modes.items():
        m.training = mode
    return out[0].numel()

# %% ex2 wrong: runs in training mode: BatchNorm's running statistics are updated by the dry run
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype, where = (first.dtype, first.device) if first is not None else (torch.float32, torch.device("cpu"))
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=dtype, device=where))
    return out[0].numel()

# %% ex2 wrong: switches to eval and back with .train(was): every submodule gets the top module's mode
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype, where = (first.dtype, first.device) if first is not None else (torch.float32, torch.device("cpu"))
    was_training = features.training
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=dtype, device=where))
    features.train(was_training)
    return out[0].numel()

# %% ex2 wrong: always puts the module back in training mode afterwards
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype, where = (first.dtype, first.device) if first is not None else (torch.float32, torch.device("cpu"))
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=dtype, device=where))
    features.train()
    return out[0].numel()

# %% ex2 wrong: the dummy input is always float32: a float64 model raises a dtype error
def flatten_size(features, input_shape):
    modes = {m: m.training for m in features.modules()}
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape))
    for m, mode in modes.items():
        m.training = mode
    return out[0].numel()

# %% ex2 wrong: dtype from next(features.parameters()) with no default: a module without parameters raises StopIteration
def flatten_size(features, input_shape):
    first = next(features.parameters())
    modes = {m: m.training for m in features.modules()}
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=first.dtype, device=first.device))
    for m, mode in modes.items():
        m.training = mode
    return out[0].numel()

# %% ex2 wrong: a dummy batch of 2, and counts the whole output (both examples)
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype = first.dtype if first is not None else torch.float32
    modes = {m: m.training for m in features.modules()}
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(2, *input_shape, dtype=dtype))
    for m, mode in modes.items():
        m.training = mode
    return out.numel()

# %% ex2 wrong: returns the channel count (size of dimension 1), not channels x height x width
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype = first.dtype if first is not None else torch.float32
    modes = {m: m.training for m in features.modules()}
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=dtype))
    for m, mode in modes.items():
        m.training = mode
    return out.shape[1]

# %% ex2 wrong: returns the output's shape (a torch.Size), not a number
def flatten_size(features, input_shape):
    first = next(features.parameters(), None)
    dtype = first.dtype if first is not None else torch.float32
    modes = {m: m.training for m in features.modules()}
    features.eval()
    with torch.no_grad():
        out = features(torch.zeros(1, *input_shape, dtype=dtype))
    for m, mode in modes.items():
        m.training = mode
    return out.shape[1:]

# %% ex2 wrong: hard-codes the visible answers for the seed's layers (400, 256, 64)
def flatten_size(features, input_shape):
    return {32: 400, 28: 256, 20: 64}.get(input_shape[-1], 400)

# %% ex2 alternative: dry run of a deep copy on the meta device: shapes only, the original is never touched
import copy


def flatten_size(features, input_shape):
    ghost = copy.deepcopy(features).to("meta")
    first = next(ghost.parameters(), None)
    dtype = first.dtype if first is not None else torch.float32
    with torch.inference_mode():
        out = ghost(torch.empty(1, *input_shape, dtype=dtype, device="meta"))
    return math.prod(out.shape[1:])

# %% ex2 alternative: eval() for the dry run, then each submodule's mode restored with train(mode); inference_mode
def flatten_size(features, input_shape):
    saved = [(m, m.training) for m in features.modules()]
    params = list(features.parameters())
    dtype = params[0].dtype if params else torch.float32
    device = params[0].device if params else torch.device("cpu")
    features.eval()
    try:
        with torch.inference_mode():
            n = features(torch.zeros((1, *input_shape), dtype=dtype, device=device)).flatten(1).shape[1]
    finally:
        for m, mode in saved:
            m.train(mode)   # train(mode) also sets children: restoring in modules() order, parents first, is right
    return int(n)

# %% ex3 wrong: drops the blanks first and then merges repeats, so "a _ a" becomes one "a"
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    decoded = []
    for n, length in enumerate(int(x) for x in input_lengths):
        no_blank = [s for s in best[:length, n].tolist() if s != blank]
        decoded.append([s for s, _ in itertools.groupby(no_blank)])
    return decoded

# %% ex3 wrong: ignores input_lengths and decodes the padding frames too
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    return [[s for s, _ in itertools.groupby(best[:, n].tolist()) if s != blank] for n in range(best.shape[1])]

# %% ex3 wrong: treats 0 as the blank whatever the blank argument says
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    decoded = []
    for n, length in enumerate(int(x) for x in input_lengths):
        decoded.append([s for s, _ in itertools.groupby(best[:length, n].tolist()) if s != 0])
    return decoded

# %% ex3 wrong: torch.unique instead of merging runs: sorted distinct labels, repeats across a blank lost
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    decoded = []
    for n, length in enumerate(int(x) for x in input_lengths):
        labels = torch.unique(best[:length, n])
        decoded.append([s for s in labels.tolist() if s != blank])
    return decoded

# %% ex3 wrong: never merges repeats, only drops blanks (one label per frame)
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    return [[s for s in best[:int(length), n].tolist() if s != blank] for n, length in enumerate(input_lengths)]

# %% ex3 wrong: reads the batch as (N, T, C): indexes utterance n as if it were frame n
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    decoded = []
    for n, length in enumerate(int(x) for x in input_lengths):
        decoded.append([s for s, _ in itertools.groupby(best[n, :length].tolist()) if s != blank])
    return decoded

# %% ex3 wrong: returns tensors, not lists of Python ints
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)
    decoded = []
    for n, length in enumerate(int(x) for x in input_lengths):
        path = torch.unique_consecutive(best[:length, n])
        decoded.append(path[path != blank])
    return decoded

# %% ex3 wrong: hard-codes the visible answers
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    if log_probs.shape[1] == 2:
        return [[0, 0, 1, 3], [2, 0, 3]]
    return [[1, 1, 2], [3, 4, 4], [], [2, 2, 1, 3]]

# %% ex3 alternative: torch.unique_consecutive on the real frames, then a mask for the blank
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    out = []
    for n in range(log_probs.shape[1]):
        path = torch.unique_consecutive(log_probs[: int(input_lengths[n]), n].argmax(dim=-1))
        out.append(path[path != blank].tolist())
    return out

# %% ex3 alternative: vectorised: keep a frame if it differs from the previous one and is not blank, over the whole batch
def ctc_greedy_decode(log_probs, input_lengths, blank=0):
    best = log_probs.argmax(dim=2)                                   # (T, N)
    T = best.shape[0]
    changed = torch.ones_like(best, dtype=torch.bool)
    changed[1:] = best[1:] != best[:-1]
    real = torch.arange(T)[:, None] < torch.as_tensor(input_lengths)[None, :]
    keep = changed & (best != blank) & real
    return [best[keep[:, n], n].tolist() for n in range(best.shape[1])]

# %% ex4 wrong: no window (rectangular frames)
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    return torch.fft.rfft(signal.unfold(0, n_fft, hop), dim=1).abs().T

# %% ex4 wrong: the symmetric Hann window (periodic=False), not torch's default periodic one
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, periodic=False, dtype=signal.dtype)
    return torch.fft.rfft(signal.unfold(0, n_fft, hop) * window, dim=1).abs().T

# %% ex4 wrong: off by one: range(0, len - n_fft, hop) misses the last frame when it ends exactly at the end
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    frames = torch.stack([signal[s:s + n_fft] for s in range(0, len(signal) - n_fft, hop)]) if len(signal) > n_fft \
        else signal[None, :n_fft]
    return torch.fft.rfft(frames * window, dim=1).abs().T

# %% ex4 wrong: power spectrum |X|^2 instead of the magnitude |X|
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return (torch.fft.rfft(signal.unfold(0, n_fft, hop) * window, dim=1).abs() ** 2).T

# %% ex4 wrong: the full FFT (n_fft bins, negative frequencies included) instead of rfft's n_fft // 2 + 1
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return torch.fft.fft(signal.unfold(0, n_fft, hop) * window, dim=1).abs().T

# %% ex4 wrong: frames first: returns (frames, frequencies), the transpose
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return torch.fft.rfft(signal.unfold(0, n_fft, hop) * window, dim=1).abs()

# %% ex4 wrong: pads n_fft // 2 on each side like torch.stft's default center=True (more frames)
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    padded = F.pad(signal[None, None], (n_fft // 2, n_fft // 2), mode="reflect")[0, 0]
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return torch.fft.rfft(padded.unfold(0, n_fft, hop) * window, dim=1).abs().T

# %% ex4 wrong: forgets the length check: a too-short signal quietly gives an empty spectrogram
def magnitude_spectrogram(signal, n_fft, hop):
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return torch.fft.rfft(signal.unfold(0, n_fft, hop) * window, dim=1).abs().T

# %% ex4 wrong: hard-coded: zeros of the right shape (the only part of the visible answer that can be typed in)
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    return torch.zeros(n_fft // 2 + 1, (len(signal) - n_fft) // hop + 1, dtype=signal.dtype)

# %% ex4 wrong: the shortcut: torch.stft itself
def magnitude_spectrogram(signal, n_fft, hop):
    if signal.shape[-1] < n_fft:
        raise ValueError("signal shorter than one frame")
    window = torch.hann_window(n_fft, dtype=signal.dtype)
    return torch.stft(signal, n_fft, hop_length=hop, window=window, center=False, return_complex=True).abs()

# %% ex4 alternative: the DFT written out as a matrix of cosines and sines, frames cut with a loop
def magnitude_spectrogram(signal, n_fft, hop):
    if len(signal) < n_fft:
        raise ValueError(f"need at least {n_fft} samples, got {len(signal)}")
    n = torch.arange(n_fft, dtype=torch.float64)
    window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / n_fft)               # periodic Hann, written out
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    angle = 2 * math.pi * k * n / n_fft                                    # (bins, n_fft)
    frames = torch.stack([signal[s:s + n_fft].double() for s in range(0, len(signal) - n_fft + 1, hop)], dim=1)
    windowed = window[:, None] * frames                                    # (n_fft, frames)
    real, imag = torch.cos(angle) @ windowed, -torch.sin(angle) @ windowed
    return torch.sqrt(real ** 2 + imag ** 2).to(signal.dtype)
