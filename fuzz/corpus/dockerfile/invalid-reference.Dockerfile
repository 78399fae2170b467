FROM Quay.IO/Acme/Web:latest!
