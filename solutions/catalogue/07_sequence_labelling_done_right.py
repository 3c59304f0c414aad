# Lab 07: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 07` runs each through the lab's check (the test suite does too).

# %% ex1 wrong: the seed's model unchanged: fc on the final hidden state, one prediction per sentence
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, (hidden, cell) = self.lstm(self.embedding(x))
        return self.fc(hidden[-1])

# %% ex1 wrong: the right shape by copying the sentence's final state to every position
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        _, (hidden, _) = self.lstm(self.embedding(x))
        return self.fc(hidden[-1]).unsqueeze(1).expand(-1, x.shape[1], -1)

# %% ex1 wrong: returns (B, C, T), the layout CrossEntropyLoss wants, instead of (B, T, C)
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        return self.fc(outputs).transpose(1, 2)

# %% ex1 wrong: forgets batch_first=True, so the LSTM reads down the batch instead of along each sentence
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        return self.fc(outputs)

# %% ex1 wrong: a bidirectional LSTM, not the seed's (and the later positions leak into earlier ones)
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        return self.fc(outputs)

# %% ex1 wrong: keeps the layers but skips the LSTM in forward: per-token logits with no context
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.fc(self.embedding(x))

# %% ex1 wrong: detaches the LSTM outputs, so the embedding and the LSTM never learn
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        return self.fc(outputs.detach())

# %% ex1 wrong: different layer sizes from the seed's (a wider embedding feeding the LSTM)
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, 2 * hidden_dim)
        self.lstm = nn.LSTM(2 * hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        return self.fc(outputs)

# %% ex1 wrong: hard-codes the visible shape with zeros: no model behind the numbers
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)
        self.output_dim = output_dim

    def forward(self, x):
        return torch.zeros(*x.shape, self.output_dim)

# %% ex1 wrong: keeps the LSTM's state between calls (stateful, state detached): one sentence leaks into the next batch
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)
        self.state = None

    def forward(self, x):
        state = self.state if self.state is not None and self.state[0].shape[1] == x.shape[0] else None
        out, (h, c) = self.lstm(self.embedding(x), state)
        self.state = (h.detach(), c.detach())
        return self.fc(out)

# %% ex1 wrong: an extra ReLU between the LSTM and the linear layer (not the seed's embedding -> LSTM -> linear)
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.fc(torch.relu(self.lstm(self.embedding(x))[0]))

# %% ex1 alternative: steps the same LSTM one token at a time, carrying (h, c): the loop nn.LSTM otherwise runs inside one call
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        embedded, state, steps = self.embedding(x), None, []
        for t in range(x.shape[1]):
            out_t, state = self.lstm(embedded[:, t:t + 1], state)
            steps.append(self.fc(out_t))
        return torch.cat(steps, dim=1)

# %% ex1 alternative: flattens (B, T, H) to (B*T, H) for the linear layer and reshapes back
class TokenNERModel(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, hidden_dim)
        self.lstm = nn.LSTM(hidden_dim, hidden_dim, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        outputs, _ = self.lstm(self.embedding(x))
        B, T, H = outputs.shape
        return self.fc(outputs.reshape(B * T, H)).reshape(B, T, -1)

# %% ex2 wrong: forgets ignore_index: works only because -100 is CrossEntropyLoss's default
def token_loss(logits, tags, pad):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))

# %% ex2 wrong: the classic mistake: padding tagged "O" (class 0) and averaged in
def token_loss(logits, tags, pad):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.masked_fill(tags == pad, 0).reshape(-1))

# %% ex2 wrong: the mean of each sentence's mean, so a short sentence's tokens weigh more
def token_loss(logits, tags, pad):
    per_sentence = []
    for lg, tg in zip(logits, tags):
        real = tg != pad
        per_sentence.append(F.cross_entropy(lg[real], tg[real]))
    return torch.stack(per_sentence).mean()

# %% ex2 wrong: zeroes the padded losses but still divides by every position, B*T
def token_loss(logits, tags, pad):
    real = tags != pad
    nll = F.cross_entropy(logits.transpose(1, 2), tags.masked_fill(~real, 0), reduction="none")
    return (nll * real).sum() / tags.numel()

# %% ex2 wrong: view(B, C, T) instead of transpose: the right shape, scrambled numbers
def token_loss(logits, tags, pad):
    B, T, C = logits.shape
    return F.cross_entropy(logits.view(B, C, T), tags, ignore_index=pad)

# %% ex2 wrong: takes "negative tag" to mean padding, which fails for a pad value past the last class
def token_loss(logits, tags, pad):
    real = tags >= 0
    return F.cross_entropy(logits[real], tags[real])

# %% ex2 wrong: the notebook's PAD instead of the argument pad
def token_loss(logits, tags, pad):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), ignore_index=PAD)

# %% ex2 wrong: overwrites the caller's padded tags in place to make them valid classes
def token_loss(logits, tags, pad):
    real = tags != pad
    tags[~real] = 0
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), reduction="none")
    return nll[real.reshape(-1)].mean()

# %% ex2 wrong: hard-codes the visible padded batch's loss as a fresh tensor
def token_loss(logits, tags, pad):
    if tuple(tags.shape) == (3, 7):
        return torch.tensor(1.7286875247955322, requires_grad=True)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))

# %% ex2 wrong: rewrites the pad value in place in the caller's tags
def token_loss(logits, tags, pad):
    tags[tags == pad] = -100
    return F.cross_entropy(logits.transpose(1, 2), tags)

# %% ex2 wrong: cross-entropy by hand with exp / sum / log: overflows for large logits
def token_loss(logits, tags, pad):
    mask = tags != pad
    probs = logits.exp() / logits.exp().sum(-1, keepdim=True)
    picked = probs.gather(-1, tags.masked_fill(~mask, 0).unsqueeze(-1)).squeeze(-1)
    return -(picked.log() * mask).sum() / mask.sum()

# %% ex2 alternative: selects the real positions with a boolean mask, then a plain cross-entropy on them
def token_loss(logits, tags, pad):
    real = tags != pad
    return F.cross_entropy(logits[real], tags[real])

# %% ex2 alternative: by hand: log_softmax, gather the true class, average over the mask
def token_loss(logits, tags, pad):
    real = tags != pad
    log_p = F.log_softmax(logits, dim=-1).gather(-1, tags.masked_fill(~real, 0).unsqueeze(-1)).squeeze(-1)
    return -(log_p * real).sum() / real.sum()

# %% ex3 wrong: counts the padded positions in the denominator (a mean over every position)
def masked_token_accuracy(logits, tags, pad):
    return (logits.argmax(-1) == tags).float().mean().item()

# %% ex3 wrong: padding tagged "O" and counted: every pad predicted "O" becomes a right answer
def masked_token_accuracy(logits, tags, pad):
    return (logits.argmax(-1) == tags.masked_fill(tags == pad, 0)).float().mean().item()

# %% ex3 wrong: the seed's formula: correct tokens divided by len(tags), the number of sentences
def masked_token_accuracy(logits, tags, pad):
    real = tags != pad
    return ((logits.argmax(-1) == tags) & real).sum().item() / len(tags)

# %% ex3 wrong: the mean of each sentence's accuracy, so short sentences weigh more (and a row of padding is 0/0)
def masked_token_accuracy(logits, tags, pad):
    real = tags != pad
    right = ((logits.argmax(-1) == tags) & real).sum(1).float()
    return (right / real.sum(1)).mean().item()

# %% ex3 wrong: takes "negative tag" to mean padding, which fails for a pad value past the last class
def masked_token_accuracy(logits, tags, pad):
    real = tags >= 0
    return (logits.argmax(-1)[real] == tags[real]).float().mean().item()

# %% ex3 wrong: argmax over dimension 1 (the positions) instead of the classes
def masked_token_accuracy(logits, tags, pad):
    real = tags != pad
    return ((logits.argmax(1) == tags) & real).sum().item() / real.sum().item()

# %% ex3 wrong: returns a 0-d tensor, not a Python float
def masked_token_accuracy(logits, tags, pad):
    real = tags != pad
    return ((logits.argmax(-1) == tags) & real).sum() / real.sum()

# %% ex3 wrong: hard-codes the small example's answer
def masked_token_accuracy(logits, tags, pad):
    return 0.75

# %% ex3 wrong: "right" when the true tag's score is positive, not when it is the largest
def masked_token_accuracy(logits, tags, pad):
    mask = tags != pad
    score = logits.gather(-1, tags.masked_fill(~mask, 0).unsqueeze(-1)).squeeze(-1)
    return ((score > 0) & mask).sum().item() / mask.sum().item()

# %% ex3 wrong: rounded to two decimals "for display"
def masked_token_accuracy(logits, tags, pad):
    mask = tags != pad
    return round((logits.argmax(-1)[mask] == tags[mask]).float().mean().item(), 2)

# %% ex3 wrong: hard-coded answers of the visible examples, told apart by their width
def masked_token_accuracy(logits, tags, pad):
    return 0.6 if tags.shape[1] == 6 else 0.75

# %% ex3 alternative: boolean indexing keeps only the real tokens, then a plain mean
def masked_token_accuracy(logits, tags, pad):
    real = tags != pad
    return (logits.argmax(-1)[real] == tags[real]).float().mean().item()

# %% ex3 alternative: a plain Python count over every position, skipping the padding
def masked_token_accuracy(logits, tags, pad):
    predicted = logits.argmax(-1).tolist()
    right = total = 0
    for row_pred, row_tags in zip(predicted, tags.tolist()):
        for p, t in zip(row_pred, row_tags):
            if t != pad:
                total += 1
                right += p == t
    return right / total

# %% ex3 alternative: numerator over all positions (a pad never equals a predicted class), denominator real tokens
def masked_token_accuracy(logits, tags, pad):
    right = (logits.argmax(-1) == tags).sum().item()
    return right / (tags != pad).sum().item()
