"""The ground floor: helpers every app uses (form tools, date widgets, small
query helpers). It imports no app of the portal; every app may import it."""
