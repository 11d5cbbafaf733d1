"""The Streamlit app's page helpers. Only this package and `app.py` import streamlit.

Everything a page shows comes from the public API (`replan.load`,
`replan.from_tables`, `replan.solve`, `replan.scenarios`): the app holds no
planning logic of its own.
"""
