cronium.output({"received": cronium.input()})
