# Lab 17: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 17` runs each through the lab's check.

# %% ex1 wrong: forgets the biases and the global mean (plain matrix factorisation)
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    return (user_factors[user_ids] * item_factors[item_ids]).sum(-1)

# %% ex1 wrong: forgets the global mean
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    return user_bias[user_ids] + item_bias[item_ids] + (user_factors[user_ids] * item_factors[item_ids]).sum(-1)

# %% ex1 wrong: P[u] @ Q[i].T gives every user of the batch against every item of the batch, shape (B, B)
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    return global_mean + user_bias[user_ids] + item_bias[item_ids] + user_factors[user_ids] @ item_factors[item_ids].T

# %% ex1 wrong: sums the product over the batch dimension instead of over k
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    dot = (user_factors[user_ids] * item_factors[item_ids]).sum(0)
    return global_mean + user_bias[user_ids] + item_bias[item_ids] + dot.sum()

# %% ex1 wrong: reads the item bias with the user ids
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    bias = user_bias[user_ids] + item_bias[user_ids.clamp(max=len(item_bias) - 1)]
    return global_mean + bias + (user_factors[user_ids] * item_factors[item_ids]).sum(-1)

# %% ex1 wrong: builds the result from Python floats, so no gradient reaches the tables
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    values = [global_mean + user_bias[u].item() + item_bias[i].item() + float(user_factors[u] @ item_factors[i])
              for u, i in zip(user_ids.tolist(), item_ids.tolist())]
    return torch.tensor(values)

# %% ex1 wrong: writes into a preallocated tensor under no_grad, so no gradient reaches the tables
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    out = torch.empty(len(user_ids))
    with torch.no_grad():
        out[:] = global_mean + user_bias[user_ids] + item_bias[item_ids] + (user_factors[user_ids] * item_factors[item_ids]).sum(-1)
    return out

# %% ex1 wrong: hard-codes the visible predictions (found by printing the check's reference), by batch length
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    known = {6: [2.89704, 2.89704, -2.06911, -1.85623, 0.12036, 1.79799],
             8: [-1.1782, -1.1782, -1.04251, 4.60244, 7.67851, 2.7084, -0.32008, 4.78894]}
    return torch.tensor(known.get(len(user_ids), [0.0] * len(user_ids)))

# %% ex1 alternative: einsum over k for each pair, biases added with index_select
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    p, q = user_factors.index_select(0, user_ids), item_factors.index_select(0, item_ids)
    return torch.einsum("bk,bk->b", p, q) + user_bias.index_select(0, user_ids) + item_bias.index_select(0, item_ids) + global_mean

# %% ex1 alternative: F.embedding lookups and a batched matrix product of (B,1,k) by (B,k,1)
def predict_biased(user_factors, item_factors, user_bias, item_bias, global_mean, user_ids, item_ids):
    p, q = F.embedding(user_ids, user_factors), F.embedding(item_ids, item_factors)
    dot = torch.bmm(p.unsqueeze(1), q.unsqueeze(2)).reshape(-1)
    return global_mean + F.embedding(user_ids, user_bias[:, None]).squeeze(1) + F.embedding(item_ids, item_bias[:, None]).squeeze(1) + dot

# %% ex2 wrong: stops storing once full (drops the newest transitions instead of overwriting the oldest)
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.items = capacity, []

    def push(self, state, action, reward, next_state, done):
        if len(self.items) < self.capacity:
            self.items.append((state, action, reward, next_state, float(done)))

    def __len__(self):
        return len(self.items)

    def sample(self, batch_size, generator):
        idx = torch.randint(len(self), (batch_size,), generator=generator).tolist()
        picked = [self.items[j] for j in idx]
        return (torch.stack([p[0] for p in picked]), torch.tensor([p[1] for p in picked]),
                torch.tensor([p[2] for p in picked], dtype=torch.float32), torch.stack([p[3] for p in picked]),
                torch.tensor([p[4] for p in picked]))

# %% ex2 wrong: the write position is size % capacity with size capped, so a full buffer overwrites slot 0 every time
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.size = capacity, 0
        self.states, self.next_states = torch.zeros(capacity, state_dim), torch.zeros(capacity, state_dim)
        self.actions = torch.zeros(capacity, dtype=torch.long)
        self.rewards, self.dones = torch.zeros(capacity), torch.zeros(capacity)

    def push(self, state, action, reward, next_state, done):
        slot = self.size % self.capacity
        self.states[slot], self.next_states[slot] = state, next_state
        self.actions[slot], self.rewards[slot], self.dones[slot] = action, reward, float(done)
        self.size = min(self.size + 1, self.capacity)

    def __len__(self):
        return self.size

    def sample(self, batch_size, generator):
        idx = torch.randint(len(self), (batch_size,), generator=generator)
        return self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx], self.dones[idx]

# %% ex2 wrong: samples from all capacity slots, empty ones included
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.pushes = capacity, 0
        self.states, self.next_states = torch.zeros(capacity, state_dim), torch.zeros(capacity, state_dim)
        self.actions = torch.zeros(capacity, dtype=torch.long)
        self.rewards, self.dones = torch.zeros(capacity), torch.zeros(capacity)

    def push(self, state, action, reward, next_state, done):
        slot = self.pushes % self.capacity
        self.states[slot], self.next_states[slot] = state, next_state
        self.actions[slot], self.rewards[slot], self.dones[slot] = action, reward, float(done)
        self.pushes += 1

    def __len__(self):
        return min(self.pushes, self.capacity)

    def sample(self, batch_size, generator):
        idx = torch.randint(self.capacity, (batch_size,), generator=generator)
        return self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx], self.dones[idx]

# %% ex2 wrong: len() counts every push, beyond capacity
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.pushes = capacity, 0
        self.states, self.next_states = torch.zeros(capacity, state_dim), torch.zeros(capacity, state_dim)
        self.actions = torch.zeros(capacity, dtype=torch.long)
        self.rewards, self.dones = torch.zeros(capacity), torch.zeros(capacity)

    def push(self, state, action, reward, next_state, done):
        slot = self.pushes % self.capacity
        self.states[slot], self.next_states[slot] = state, next_state
        self.actions[slot], self.rewards[slot], self.dones[slot] = action, reward, float(done)
        self.pushes += 1

    def __len__(self):
        return self.pushes

    def sample(self, batch_size, generator):
        idx = torch.randint(min(self.pushes, self.capacity), (batch_size,), generator=generator)
        return self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx], self.dones[idx]

# %% ex2 wrong: keeps dones as bool and actions as float (dtypes the loss code does not expect)
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.pushes = capacity, 0
        self.states, self.next_states = torch.zeros(capacity, state_dim), torch.zeros(capacity, state_dim)
        self.actions = torch.zeros(capacity)
        self.rewards, self.dones = torch.zeros(capacity), torch.zeros(capacity, dtype=torch.bool)

    def push(self, state, action, reward, next_state, done):
        slot = self.pushes % self.capacity
        self.states[slot], self.next_states[slot] = state, next_state
        self.actions[slot], self.rewards[slot], self.dones[slot] = action, reward, bool(done)
        self.pushes += 1

    def __len__(self):
        return min(self.pushes, self.capacity)

    def sample(self, batch_size, generator):
        idx = torch.randint(len(self), (batch_size,), generator=generator)
        return self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx], self.dones[idx]

# %% ex2 wrong: a deque with random.sample: right ring semantics, but not the seeded draw the text asks for
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.items, self.rng = collections.deque(maxlen=capacity), random.Random(0)

    def push(self, state, action, reward, next_state, done):
        self.items.append((state, action, reward, next_state, float(done)))

    def __len__(self):
        return len(self.items)

    def sample(self, batch_size, generator):
        picked = [self.items[self.rng.randrange(len(self.items))] for _ in range(batch_size)]
        return (torch.stack([p[0] for p in picked]), torch.tensor([p[1] for p in picked]),
                torch.tensor([p[2] for p in picked], dtype=torch.float32), torch.stack([p[3] for p in picked]),
                torch.tensor([p[4] for p in picked]))

# %% ex2 wrong: hard-codes len() == 3 (the visible capacity) and draws from 3 slots
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.items = []

    def push(self, state, action, reward, next_state, done):
        self.items.append((state, action, reward, next_state, float(done)))

    def __len__(self):
        return min(len(self.items), 3)

    def sample(self, batch_size, generator):
        idx = torch.randint(3, (batch_size,), generator=generator).tolist()
        picked = [self.items[-3:][j] for j in idx]
        return (torch.stack([p[0] for p in picked]), torch.tensor([p[1] for p in picked]),
                torch.tensor([p[2] for p in picked], dtype=torch.float32), torch.stack([p[3] for p in picked]),
                torch.tensor([p[4] for p in picked]))

# %% ex2 alternative: a Python list of tuples with a write position; tensors are stacked at sample time
class ReplayBuffer:
    def __init__(self, capacity, state_dim):
        self.capacity, self.slots, self.position = capacity, [], 0

    def push(self, state, action, reward, next_state, done):
        transition = (state.clone(), int(action), float(reward), next_state.clone(), float(done))
        if len(self.slots) < self.capacity:
            self.slots.append(transition)
        else:
            self.slots[self.position] = transition
        self.position = (self.position + 1) % self.capacity

    def __len__(self):
        return len(self.slots)

    def sample(self, batch_size, generator):
        idx = torch.randint(len(self), (batch_size,), generator=generator).tolist()
        states, actions, rewards, next_states, dones = zip(*(self.slots[j] for j in idx))
        return (torch.stack(states), torch.tensor(actions), torch.tensor(rewards, dtype=torch.float32),
                torch.stack(next_states), torch.tensor(dones, dtype=torch.float32))

# %% ex3 wrong: plain DQN targets: the max of the target network chooses and evaluates
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    return rewards + gamma * (1 - dones) * next_q_target.detach().max(1).values

# %% ex3 wrong: roles swapped: chooses with the target network, evaluates with the online one
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_target.detach().argmax(1, keepdim=True)
    return rewards + gamma * (1 - dones) * next_q_online.detach().gather(1, best).squeeze(1)

# %% ex3 wrong: forgets the done mask, so terminated transitions bootstrap too
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(1, keepdim=True)
    return rewards + gamma * next_q_target.detach().gather(1, best).squeeze(1)

# %% ex3 wrong: argmax over the batch dimension (dim 0) instead of over actions
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(0, keepdim=True)
    return rewards + gamma * (1 - dones) * next_q_target.detach().gather(1, best).squeeze(1)

# %% ex3 wrong: does not detach: the targets stay in both networks' graph
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.argmax(1, keepdim=True)
    return rewards + gamma * (1 - dones) * next_q_target.gather(1, best).squeeze(1)

# %% ex3 wrong: detaches only the online Q-values (the value still comes from the target net's graph)
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(1, keepdim=True)
    return rewards + gamma * (1 - dones) * next_q_target.gather(1, best).squeeze(1)

# %% ex3 wrong: applies gamma twice
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(1, keepdim=True)
    return rewards + gamma * gamma * (1 - dones) * next_q_target.detach().gather(1, best).squeeze(1)

# %% ex3 wrong: masks the reward as well as the bootstrap, so a terminated transition gets 0
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(1, keepdim=True)
    return (1 - dones) * (rewards + gamma * next_q_target.detach().gather(1, best).squeeze(1))

# %% ex3 wrong: hard-codes gamma = 0.9 (the first visible case)
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    best = next_q_online.detach().argmax(1, keepdim=True)
    return rewards + 0.9 * (1 - dones) * next_q_target.detach().gather(1, best).squeeze(1)

# %% ex3 wrong: hard-codes the visible targets by batch size
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    known = {6: [0.526296, 0.523434, 0.698615, 0.033153, 0.622842, 0.241115],
             7: [0.879586, 1.085456, 0.71171, 0.597889, 0.74088, 0.674968, 0.90606]}
    return torch.tensor(known.get(len(rewards), rewards.tolist()))

# %% ex3 wrong: returns the rewards alone (right only for terminated transitions)
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    return rewards.clone()

# %% ex3 alternative: computes everything under torch.no_grad() with advanced indexing and torch.where on the dones
def double_dqn_targets(rewards, next_q_online, next_q_target, dones, gamma):
    with torch.no_grad():
        rows = torch.arange(len(rewards))
        next_value = next_q_target[rows, next_q_online.argmax(dim=-1)]
        return torch.where(dones.bool(), rewards, rewards + gamma * next_value)
