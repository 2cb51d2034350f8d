"""`single-neuron serve`: the neuron in a browser, on this machine.

app      the Starlette application: four pages and the JSON API behind them
guard    what every request passes first: Host and Origin checks, body caps
bodies   what a request carries, read and checked: an image, a JSON object, a training job
uploads  an uploaded image classified as `predict` classifies a file
graphs   the notes' computation graphs as nodes and edges to draw
training a live learning-rate comparison, and its server-sent events
state    the served model, the data, at most one training job
server   the socket and uvicorn
static/  the pages, their script and style: written here, nothing fetched

Needs the `web` extra (starlette, uvicorn, python-multipart); nothing here is imported
by the rest of the package, so a plain install never needs them.
"""
