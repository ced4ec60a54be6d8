"""Build hook: the wheel's built-in content is the repository's top-level `checks/`,
`reports/` and `dashboards/`, mapped into `privacymesh/_content/` as the wheel is built (one
copy in the repository; `privacymesh.content` finds either). The rest of the configuration is
in pyproject.toml; only the package list lives here, since `packages.find` cannot list mapped
folders."""

from setuptools import find_packages, setup

CONTENT = ("checks", "reports", "dashboards")

setup(packages=[*find_packages("src"), *(f"privacymesh._content.{name}" for name in CONTENT)])
