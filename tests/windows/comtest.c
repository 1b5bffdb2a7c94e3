/*
 * A stand-in COM library for kbx's Windows tests (tests/windows.rs), built three ways by
 * .ci/wine-tests with MinGW:
 *   kbx_ok.dll       DllRegisterServer records that it ran, under HKCU\Software\kbx-wine-test\comtest;
 *   kbx_fail.dll     (-DKBX_FAIL) DllRegisterServer reports E_FAIL;
 *   kbx_noentry.dll  (-DKBX_NO_ENTRY) exports no DllRegisterServer at all.
 * So a test can tell a registration that really ran from each way regsvr32 can fail.
 */
#include <windows.h>

#ifdef KBX_NO_ENTRY

__declspec(dllexport) int kbx_not_a_com_server(void) { return 0; }

#else

__declspec(dllexport) HRESULT __stdcall DllRegisterServer(void)
{
#ifdef KBX_FAIL
    return E_FAIL;
#else
    HKEY key;
    DWORD ran = 1;
    LONG status;
    if (RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\kbx-wine-test\\comtest", 0, NULL, 0, KEY_SET_VALUE,
                        NULL, &key, NULL) != ERROR_SUCCESS)
        return E_FAIL;
    status = RegSetValueExA(key, "Registered", 0, REG_DWORD, (const BYTE *)&ran, sizeof ran);
    RegCloseKey(key);
    return status == ERROR_SUCCESS ? S_OK : E_FAIL;
#endif
}

__declspec(dllexport) HRESULT __stdcall DllUnregisterServer(void) { return S_OK; }

#endif
