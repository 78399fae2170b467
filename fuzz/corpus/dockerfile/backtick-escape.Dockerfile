# escape=`

ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022
FROM $BASE
RUN powershell -Command `
    Write-Host C:\path\here
