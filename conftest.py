"""The course's pytest plugin: honesty, catalogue and notebook times on nbval's single run."""

pytest_plugins = ["dglab.pytest_labs"]
